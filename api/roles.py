"""The feed's own group: read-only users whose tokens the briefing team uses."""

BRIEFING_FEED = "브리핑 피드"  # "Briefing feed": view permissions only, made by a data migration
