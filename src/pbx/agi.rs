//! FastAGI for Asterisk: `AGI(agi://host:4573/screen)`.
