FROM busybox
RUN mkdir -p /www && echo "hello from a Dockerfile" > /www/index.html
EXPOSE 8080
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
