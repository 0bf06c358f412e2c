SUMMARY = "The sample recipe: writes a greeting, installs it, and says hello on every build"
LICENSE = "MIT"

GREETING ?= "Hello, world"

do_compile() {
	echo "${GREETING}" > greeting.txt
	bbnote "compiled ${PN} ${PV} in $(pwd)"
}
# Start from an empty build directory every time.
do_compile[cleandirs] = "${B}"
addtask compile

do_install() {
	install -d ${D}/usr/share/hello
	install -m 0644 ${B}/greeting.txt ${D}/usr/share/hello/greeting.txt
}
do_install[umask] = "022"
addtask install after do_compile

# Runs on every build: nostamp tasks are never up to date.
do_hello() {
	cat ${D}/usr/share/hello/greeting.txt
}
do_hello[nostamp] = "1"
do_hello[dirs] = "${WORKDIR}"
addtask hello after do_install before do_build
