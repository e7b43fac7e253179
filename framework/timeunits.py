"""Time constants shared by every case, so a day is 86,400 seconds in exactly one place."""

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3_600
SECONDS_PER_DAY = 86_400
DAYS_PER_WEEK = 7
SECONDS_PER_WEEK = DAYS_PER_WEEK * SECONDS_PER_DAY
