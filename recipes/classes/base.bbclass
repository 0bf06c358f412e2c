# The class every recipe inherits first: the message helpers shell tasks use, and do_build.

bbnote() {
	echo "NOTE: $*"
}

bbwarn() {
	echo "WARNING: $*"
}

bberror() {
	echo "ERROR: $*"
}

bbfatal() {
	echo "ERROR: $*"
	exit 1
}

die() {
	bbfatal "$*"
}

# do_build only collects the tasks that are ordered before it.
addtask build
do_build[noexec] = "1"
