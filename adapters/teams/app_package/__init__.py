"""The files of the Teams app package: the manifest template and the two icons."""
