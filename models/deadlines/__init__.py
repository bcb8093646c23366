"""Legal deadlines: a civil-service calendar and the rules of Luật Khiếu nại 2011 and Luật Tố cáo 2018.

Pure: no database, no clock. Holidays and overrides are handed in.
"""
