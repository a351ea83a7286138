<?xml version="1.0" encoding="UTF-8"?>
<!--
  Shows an RSS 2.0 or Atom feed opened in a browser as a plain page: what a feed is, how to
  follow it, and the items. Loads nothing else (styles are inline, no scripts, no fonts).
  Text is copied with xsl:value-of, so nothing in a feed can inject markup.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="subtitle" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
  <xsl:variable name="site" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
  <xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>

  <xsl:template match="/">
    <html lang="{/rss/channel/language | /atom:feed/@xml:lang}">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <style>
          body { margin: 0; font: 1.0625rem/1.6 Georgia, "DejaVu Serif", serif; color: #1b1b1b; background: #fdfcf8; }
          main { max-width: 42rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
          a { color: #0b4f8a; text-underline-offset: 0.15em; }
          a:focus-visible { outline: 3px solid currentColor; outline-offset: 2px; }
          .about { border: 1px solid #6b6b6b; border-radius: 6px; padding: 0.75rem 1rem; background: #f1efe6; }
          .about code { word-break: break-all; font-size: 0.95em; }
          ol { list-style: none; padding: 0; }
          li { border-top: 1px solid #c9c6bb; padding: 1rem 0; }
          h3 { font-size: 1.2rem; margin: 0 0 0.25rem; }
          h3 a { display: inline-block; min-height: 24px; }
          .meta { color: #4a4a4a; font-size: 0.95rem; margin: 0 0 0.4rem; }
          @media (prefers-color-scheme: dark) {
            body { color: #ecebe6; background: #161616; }
            a { color: #9cc8ff; }
            .about { background: #242424; border-color: #8a8a8a; }
            li { border-top-color: #4a4a4a; }
            .meta { color: #c4c4c4; }
          }
        </style>
      </head>
      <body>
        <main>
          <header>
            <p>Feed of <a href="{$site}"><xsl:value-of select="$title"/></a></p>
            <h1><xsl:value-of select="$title"/></h1>
            <p><xsl:value-of select="$subtitle"/></p>
          </header>
          <section class="about" aria-labelledby="about-feeds">
            <h2 id="about-feeds">This is a feed</h2>
            <p>A feed lists our newest columns so that a feed reader app can show you new ones as
              they are published, without an account, tracking or an algorithm choosing for you.
              To follow it, copy this page's address into your feed reader:</p>
            <p><code><xsl:value-of select="$self"/></code></p>
            <p>You can also just read on: the latest items are below, and each title opens the column on our site.</p>
          </section>
          <section aria-labelledby="latest">
            <h2 id="latest">Latest items</h2>
            <ol>
              <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
            </ol>
          </section>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="meta">
        <xsl:value-of select="pubDate"/>
        <xsl:for-each select="*[local-name()='creator']"> · <xsl:value-of select="."/></xsl:for-each>
      </p>
      <p><xsl:value-of select="description"/></p>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <h3><a href="{atom:link[not(@rel) or @rel='alternate'][1]/@href}"><xsl:value-of select="atom:title"/></a></h3>
      <p class="meta">
        <xsl:value-of select="substring(atom:published, 1, 10)"/>
        <xsl:for-each select="atom:author"> · <xsl:value-of select="atom:name"/></xsl:for-each>
      </p>
      <p><xsl:value-of select="atom:summary"/></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
