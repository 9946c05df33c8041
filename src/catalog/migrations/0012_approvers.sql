-- Approvers (issue 17): wallets a token's owner named to approve or deny its requests, as the
-- access stream last saw them (ApproverSet adds or removes one; a Transfer of the token clears
-- them: they were the previous owner's choice).
--   account       lowercase address
--   block_number  block of the ApproverSet that named it (a reorg past it removes the row)
CREATE TABLE access_approvers (
  network      TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  account      TEXT    NOT NULL,
  block_number INTEGER NOT NULL,
  PRIMARY KEY (network, token_id, account)
) STRICT;
CREATE INDEX access_approvers_account ON access_approvers (network, account);

-- Who answered a request on chain (the Decided event's decider, lowercase): the owner or an approver.
ALTER TABLE access_requests ADD COLUMN decided_by TEXT;
