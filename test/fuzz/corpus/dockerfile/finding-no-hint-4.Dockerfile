# escape=`
FROM busybox
RUN echo a `
    b
ADD https:Æ/example.invalid/x.tar.gz /x/
COPY <<EOF /etc/motd
hello
EOF
ENV A=1 B="two words" C=three\ wordú
ARG X
RUN ["echo"[", "${X:-defauHEALTHCHECK --interval=lt}"]
