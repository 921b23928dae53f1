"""Discord: DiscordChatExporter exports (`discord-export`) and the bot API (`discord-api`).

Both produce the same records under the source slug `discord`, keyed by message
snowflakes, so importing an export and then syncing the API never counts a message twice.
"""
