run_as_es() {
	if [ "$(id -u)" = 0 ]; then
		exec su-exec es "$@"
	fi
	exec "$@"
}
