-- An outcome the responsible unit did not adopt has nothing to implement: the station rates it and
-- closes the loop from "answered". V6 required implementation evidence for every closed outcome;
-- it is now required for implemented outcomes and for closed ones that were (partly) adopted.
ALTER TABLE outcome DROP CONSTRAINT outcome_check1;
ALTER TABLE outcome ADD CONSTRAINT outcome_implementation_evidence CHECK (
  NOT (status = 'implemented' OR (status = 'closed' AND answer IS DISTINCT FROM 'not_adopted'))
  OR (implementation_evidence IS NOT NULL AND implemented_at IS NOT NULL));
