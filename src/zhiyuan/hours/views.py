"""Office pages of service hours: the slot roster, confirmation, the office's records of its
subtree for a period, back-fill and exports (the pages slice)."""
