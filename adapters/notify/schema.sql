-- Mail waiting to be sent, one row per event that asks for a message. The event ID is the key,
-- so an event projected twice (a replay, a rebuild) enqueues one message. Rows stay after
-- sending: they are the record that the message went out.
CREATE TABLE IF NOT EXISTS mail_outbox (
    event_id   uuid        PRIMARY KEY,
    kind       text        NOT NULL,
    user_id    uuid        NOT NULL,
    account_id uuid        NOT NULL,
    recipient  text        NOT NULL,
    username   text        NOT NULL,
    nonce      text        NOT NULL, -- the link's nonce; the token is signed when the mail is sent ('' for a notice)
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at    timestamptz,
    attempts   integer     NOT NULL DEFAULT 0,
    next_try   timestamptz NOT NULL DEFAULT now(),
    last_error text
);
-- The address an e-mail change moved to, for the notice sent to the old one (version 2).
ALTER TABLE mail_outbox ADD COLUMN IF NOT EXISTS new_email text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS mail_outbox_pending ON mail_outbox (next_try) WHERE sent_at IS NULL;

-- Where each user's mail goes, kept by the same projector so that it is never behind the outbox.
CREATE TABLE IF NOT EXISTS mail_recipients (
    user_id    uuid PRIMARY KEY,
    account_id uuid NOT NULL,
    username   text NOT NULL,
    email      text NOT NULL
);
