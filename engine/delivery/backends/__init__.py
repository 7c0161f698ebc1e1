"""One module per transport, all behind `base.Backend`: smtp, maildir, console, memory."""
