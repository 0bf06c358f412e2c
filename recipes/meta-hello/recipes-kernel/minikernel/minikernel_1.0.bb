# A kernel-shaped build: do_configure generates a tree of small C files, do_compile runs make on
# it. make takes its -j and jobserver from MAKEFLAGS, which bbrun sets for every task: never pass
# -j here (make 4.3 then says "-jN forced in submake" and ignores the shared limit).
SUMMARY = "A few hundred C files compiled by make, inside the build's job slots"
LICENSE = "MIT"

MINIKERNEL_FILES ?= "300"
B = "${WORKDIR}/build"

do_configure() {
	mkdir -p ${S}/src
	i=0
	while [ $i -lt ${MINIKERNEL_FILES} ]; do
		printf 'int f%d_a(int x) { return x * %d + 1; }\nint f%d_b(int x) { return f%d_a(x) ^ %d; }\n' \
			$i $i $i $i $i > ${S}/src/f$i.c
		i=$((i + 1))
	done
	printf '%s\n' \
		'SRCS := $(wildcard $(SRC)/*.c)' \
		'OBJS := $(notdir $(SRCS:.c=.o))' \
		'vmlinux.a: $(OBJS)' \
		'	$(AR) rcs $@ $^' \
		'%.o: $(SRC)/%.c' \
		'	$(CC) -O2 -c -o $@ $<' \
		> ${S}/Makefile
}
do_configure[cleandirs] = "${S}"
addtask configure

do_compile() {
	make -f ${S}/Makefile SRC=${S}/src
}
do_compile[cleandirs] = "${B}"
addtask compile after do_configure

do_install() {
	install -d ${D}/boot
	cp ${B}/vmlinux.a ${D}/boot/
}
addtask install after do_compile before do_build
