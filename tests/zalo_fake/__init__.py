"""In-repo fakes of the Zalo platforms for end-to-end tests: the Bot Platform API, and the Official Account
Open API with its OAuth server."""
