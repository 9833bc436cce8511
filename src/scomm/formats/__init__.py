"""Interchange formats at the system's edges: ISO/IEC 19794-2 minutiae records, ANSI/NIST-ITL
booking transactions (EBTS CAR) and WSQ finger images."""
