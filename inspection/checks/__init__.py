"""National inspection checks: one module per check, each registering itself in inspection.base.CHECKS."""
