"""The Slack adapter: Bolt app, Block Kit rendering, OAuth installs and digests."""
