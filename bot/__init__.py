"""diaspora-bot: wiring, configuration and the command-line entry point."""
