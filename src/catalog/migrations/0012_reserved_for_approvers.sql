-- PLACEHOLDER on branch h17b-proposals only: number 0012 belongs to the approvers work (H17a,
-- branch h17a-approvers). Migrations must have no gaps, so this empty one lets 0013 apply here.
-- The integrator drops this file when merging, keeping H17a's 0012.
SELECT 1;
