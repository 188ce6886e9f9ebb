-- Signatures keep 16 bits of each bin's minimum (oph in
-- dedupe/signature.go), which halves the stored fingerprint. Values stored
-- before hold 32 bits and never equal the new ones, and band keys are
-- hashed from the values, so stored articles are fingerprinted again once.
INSERT OR REPLACE INTO meta (key, value)
    SELECT 'reindex', 'schema 13 keeps 16-bit signature values' WHERE EXISTS (SELECT 1 FROM articles);
