"""The supplier register: one supplier across all anchors, linked to Companies House and the Charity Commission."""
