"""Tinkerer run reports: live progress, a self-contained HTML report, and a live UI on 127.0.0.1."""
