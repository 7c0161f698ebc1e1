"""Pure scheduling policies of the run engine: send windows, frequency caps, holdout/variant hashing and
what a campaign edit means for customers mid-sequence. No database, no clock: everything takes `now`."""
