-- AlterTable
ALTER TABLE "Room" ADD COLUMN     "editId" TEXT,
ADD COLUMN     "ownerId" TEXT,
ADD COLUMN     "trashedAt" TIMESTAMP(3);
-- A board's edit link was its id until now.
UPDATE "Room" SET "editId" = "id";
ALTER TABLE "Room" ALTER COLUMN "editId" SET NOT NULL;

-- CreateTable
CREATE TABLE "RoomVisit" (
    "userId" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "linkId" TEXT NOT NULL,
    "lastOpenedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoomVisit_pkey" PRIMARY KEY ("userId","roomId","kind")
);

-- CreateTable
CREATE TABLE "RoomThumbnail" (
    "roomId" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoomThumbnail_pkey" PRIMARY KEY ("roomId")
);

-- CreateIndex
CREATE INDEX "RoomVisit_userId_lastOpenedAt_idx" ON "RoomVisit"("userId", "lastOpenedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Room_editId_key" ON "Room"("editId");

-- CreateIndex
CREATE INDEX "Room_ownerId_idx" ON "Room"("ownerId");

-- AddForeignKey
ALTER TABLE "RoomVisit" ADD CONSTRAINT "RoomVisit_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoomThumbnail" ADD CONSTRAINT "RoomThumbnail_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room"("id") ON DELETE CASCADE ON UPDATE CASCADE;

