"""Running Node.js: the request/response bridge every runner speaks, and where the npm packages are."""
