-- Snapshots stored from now on are garbage-collected Yjs states; older ones (merged updates) are
-- rewritten by the sync server when it loads them.
ALTER TABLE "RoomSnapshot" ADD COLUMN "collected" BOOLEAN NOT NULL DEFAULT false;
