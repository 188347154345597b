"""Collector kinds, one file each; each registers itself in ``collectors.base.COLLECTORS`` when imported.

``collectors.loader.load_kinds`` imports every module here. The scheduler (``collectors.scheduler``) and the
family's interface (``collectors.base``) stay one floor up and know no kind by name.
"""
