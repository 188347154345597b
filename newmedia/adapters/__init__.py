"""One file per platform API; each registers itself in ``newmedia.base.ADAPTERS`` under its platform."""
