# escape=`
FROM busybox
RUN echo a `
    b
ADD https://example.invalid/x.tar.gz /x/
COPY <<EOF /etc/motd
hello
EOF
ENV A=1 B="two words" C=three\ words
ARG X
RUN ["echo", "${X:-default}"]
