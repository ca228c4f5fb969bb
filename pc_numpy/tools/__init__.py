"""Tools around the model: the command line, figures, progress lines, atomic files, coursework."""
