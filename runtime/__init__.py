"""The composition root of ``app.py run``: its processes (roles), their supervisor and their health checks."""
