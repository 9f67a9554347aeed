"""The domain below every blueprint: NPS maths, text sanitising, defaults. Imports no blueprint."""
