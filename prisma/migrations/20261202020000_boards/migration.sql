-- CreateTable
CREATE TABLE "RoomVisit" (
    "userId" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "linkId" TEXT NOT NULL,
    "lastOpenedAt" DATETIME NOT NULL,

    PRIMARY KEY ("userId", "roomId", "kind"),
    CONSTRAINT "RoomVisit_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RoomThumbnail" (
    "roomId" TEXT NOT NULL PRIMARY KEY,
    "contentType" TEXT NOT NULL,
    "data" BLOB NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "RoomThumbnail_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Room" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "editId" TEXT NOT NULL,
    "viewId" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT 'Untitled board',
    "ownerId" TEXT,
    "trashedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
-- A board's edit link was its id until now.
INSERT INTO "new_Room" ("createdAt", "id", "editId", "name", "updatedAt", "viewId") SELECT "createdAt", "id", "id", "name", "updatedAt", "viewId" FROM "Room";
DROP TABLE "Room";
ALTER TABLE "new_Room" RENAME TO "Room";
CREATE UNIQUE INDEX "Room_editId_key" ON "Room"("editId");
CREATE UNIQUE INDEX "Room_viewId_key" ON "Room"("viewId");
CREATE INDEX "Room_ownerId_idx" ON "Room"("ownerId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "RoomVisit_userId_lastOpenedAt_idx" ON "RoomVisit"("userId", "lastOpenedAt");

