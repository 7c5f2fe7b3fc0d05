-- CreateTable
CREATE TABLE "dpop_proof_use" (
    "key" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dpop_proof_use_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "dpop_proof_use_expiresAt_idx" ON "dpop_proof_use"("expiresAt");

