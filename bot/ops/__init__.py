"""Running the bot for real (issue 11): webhook mode, online backups, health, metrics,
retention and logs. The app factory (bot/app.py) and the command line (bot/cli/) use them."""
