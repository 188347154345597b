"""Wall playlists: ordered views with dwell times per wall room, stored in the database, each reachable by a
revocable kiosk URL (docs/walls.md). ``walls.playlist`` is pure; ``walls.store`` reads and writes them."""
