"""志愿 zhiyuan: a volunteer-service platform for the National Civilised City campaign."""
