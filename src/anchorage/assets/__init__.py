"""Assets: the anchors' land and buildings in one register, their use, the map, reviews and community space."""
