"""Platform-neutral core: messages, findings, text masking, rule packs and the engine."""
