"""Security screening in the case: sanctions-list versions, screening runs, the screening
officers' reviews with four eyes, and the national checks (docs/screening.md)."""
