"""Government new media (政务新媒体): account activity from platform APIs, statistics exports and the
publishing back office's post events, judged by the national new-media veto rules (docs/new-media.md)."""
