"""PRH / YTJ open data (API v3): client, parser, mapping and import."""
