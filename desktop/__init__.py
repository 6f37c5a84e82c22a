"""The thin shell: the Qt app and the headless command line (`ungcuu ...`)."""
