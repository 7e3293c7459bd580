"""Periodic jobs of the awards app: none. A campaign's stages follow its dates
(`Campaign.stage`), read when they are asked for; the office publishes the shortlist and fixes
the results itself, so nothing needs to run on a timer."""
