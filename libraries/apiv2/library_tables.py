"""/api/v2 library commands: get_libraries, get_library, get_library_names, get_libraries_table, edit_library."""
