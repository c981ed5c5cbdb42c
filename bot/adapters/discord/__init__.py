"""Discord adapter: discord.py client, DM nudges, `/coach` app commands (see client.main)."""
