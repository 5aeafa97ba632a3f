"""An order service used to show what statelint finds."""
