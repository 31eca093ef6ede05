-- Version history (issue 14): RoomVersion holds each version's compressed, garbage-collected state;
-- RoomEditor who edited a room and when, for the authors of the next version.
-- CreateTable
CREATE TABLE "RoomVersion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "roomId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "label" TEXT,
    "authors" TEXT NOT NULL,
    "shapeCount" INTEGER NOT NULL,
    "stateHash" TEXT NOT NULL,
    "data" BLOB NOT NULL,
    CONSTRAINT "RoomVersion_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RoomEditor" (
    "roomId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "lastEditAt" DATETIME NOT NULL,

    PRIMARY KEY ("roomId", "userId"),
    CONSTRAINT "RoomEditor_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "RoomVersion_roomId_createdAt_idx" ON "RoomVersion"("roomId", "createdAt");

