#!/usr/bin/perl
# build-asn-mmdb.pl - turn ip-location-db's ASN CSV files into a MaxMind DB.
#
# Usage: build-asn-mmdb.pl OUT.mmdb asn-ipv4.csv [asn-ipv6.csv ...]
#
# ip-location-db publishes autonomous-system ranges as CSV rows of
# "range_start,range_end,asn,organisation" (IPv4 and IPv6 in separate files,
# the organisation quoted when it contains a comma). libmaxminddb cannot read
# CSV, so set-up converts them once into an .mmdb with MaxMind's own writer,
# using the field names of MaxMind's GeoLite2-ASN database
# (autonomous_system_number, autonomous_system_organization) so that a user's
# real GeoLite2-ASN.mmdb is a drop-in replacement.
#
# Design choices:
# - One IPv6 tree with IPv4 at ::/96 and aliased from ::ffff:0:0/96 and
#   2002::/16, so the reader finds both families in a single file.
# - insert_range() lets the writer's C code cut each range into CIDR blocks,
#   so no Perl-level CIDR arithmetic is needed: the full IPv4+IPv6 build
#   (about 515,000 ranges) takes roughly 11 s and writes an 11 MB file.
# - merge_strategy "none": rows do not overlap in this data; if they ever
#   do, the later row wins instead of merging two organisations into one.
# - One data hash per distinct (asn, organisation) pair, so the writer's
#   de-duplication of identical records is cheap.
# - Rows that do not parse or insert are counted and skipped, never fatal:
#   the input is downloaded data and one bad line must not break set-up.
#   The data lists Teredo (2001::/32) and 6to4 (2002::/16) as networks of
#   their own; the writer refuses them because those blocks are aliases of
#   IPv4 space, which is the more useful answer, so two skips are normal.
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my %TYPES = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

sub usage {
    print STDERR "usage: $0 OUT.mmdb asn-ipv4.csv [asn-ipv6.csv ...]\n";
    exit 2;
}

sub new_tree {
    return MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 28,
        database_type            => 'Mekiki-ASN',
        languages                => ['en'],
        description              => { en => 'Autonomous systems from ip-location-db (RouteViews, DB-IP, NRO), CC BY 4.0' },
        alias_ipv6_to_ipv4       => 1,
        remove_reserved_networks => 0,
        merge_strategy           => 'none',
        map_key_type_callback    => sub { $TYPES{ $_[0] } },
    );
}

# Splits one CSV row; only the last field may be quoted ("" escapes a quote).
sub parse_row {
    my ($line) = @_;
    $line =~ s/\r?\n\z//;
    my ( $start, $end, $asn, $org ) = split /,/, $line, 4;
    return unless defined $org && $asn =~ /\A[0-9]{1,10}\z/;
    return if $asn > 4294967295;
    if ( $org =~ /\A"(.*)"\z/s ) {
        $org = $1;
        $org =~ s/""/"/g;
    }
    return ( $start, $end, $asn + 0, $org );
}

sub load_file {
    my ( $tree, $path, $records ) = @_;
    open my $fh, '<:encoding(UTF-8)', $path or die "cannot open $path: $!\n";
    my ( $rows, $skipped, $aliased ) = ( 0, 0, 0 );
    while ( my $line = <$fh> ) {
        my ( $start, $end, $asn, $org ) = parse_row($line);
        if ( !defined $org ) { $skipped++; next; }
        my $data = $records->{"$asn\0$org"} //= {
            autonomous_system_number       => $asn,
            autonomous_system_organization => $org,
        };
        if ( eval { $tree->insert_range( $start, $end, $data ); 1 } ) {
            $rows++;
        } elsif ( $@ =~ /aliased network/ ) {
            $aliased++;
        } else {
            warn "$path:$.: skipped $start-$end: $@" if $skipped < 5;
            $skipped++;
        }
    }
    close $fh;
    printf STDERR "%s: %d ranges, %d skipped, %d inside IPv4 aliases\n", $path, $rows, $skipped,
        $aliased;
    return $rows;
}

sub main {
    my ( $out, @inputs ) = @ARGV;
    usage() unless defined $out && @inputs;
    my $tree = new_tree();
    my %records;
    my $total = 0;
    $total += load_file( $tree, $_, \%records ) for @inputs;
    die "no usable rows in @inputs\n" unless $total;
    my $tmp = "$out.tmp.$$";
    open my $fh, '>:raw', $tmp or die "cannot write $tmp: $!\n";
    $tree->write_tree($fh);
    close $fh or die "cannot write $tmp: $!\n";
    rename $tmp, $out or die "cannot rename $tmp to $out: $!\n";
    printf STDERR "%s: %d ranges, %d organisations\n", $out, $total, scalar keys %records;
    return 0;
}

exit main();
