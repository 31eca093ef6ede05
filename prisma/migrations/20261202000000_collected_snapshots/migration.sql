-- Snapshots stored from now on are garbage-collected Yjs states; older ones (merged updates) are
-- rewritten by the sync server when it loads them. ADD COLUMN instead of Prisma's table copy: the
-- same result for SQLite without rewriting every stored snapshot.
ALTER TABLE "RoomSnapshot" ADD COLUMN "collected" BOOLEAN NOT NULL DEFAULT false;
