# The class every recipe inherits first: the message helpers shell tasks use, and do_build.

# Each helper writes its line to the task's log and sends it to the build's output through the
# task's message channel, $LOGFIFO, as one record in BitBake's log fifo format.
bbrun_send_message() {
	if [ -n "$LOGFIFO" ]; then
		printf '%b\0' "$*" > "$LOGFIFO" || true
	fi
}

bbplain() {
	echo "$*"
	bbrun_send_message bbplain "$*"
}

bbnote() {
	echo "NOTE: $*"
	bbrun_send_message bbnote "$*"
}

bbwarn() {
	echo "WARNING: $*"
	bbrun_send_message bbwarn "$*"
}

bberror() {
	echo "ERROR: $*"
	bbrun_send_message bberror "$*"
}

bbfatal() {
	echo "ERROR: $*"
	bbrun_send_message bbfatal "$*"
	exit 1
}

# bbdebug LEVEL MESSAGE
bbdebug() {
	level=$1
	shift
	echo "DEBUG: $*"
	bbrun_send_message bbdebug "$level" "$*"
}

die() {
	bbfatal "$*"
}

# do_build only collects the tasks that are ordered before it.
addtask build
do_build[noexec] = "1"
